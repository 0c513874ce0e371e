(python3 /srv/hospital-app/app.py >/var/log/ihc-app.log 2>&1 &)
nginx
