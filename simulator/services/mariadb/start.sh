install -d -o mysql -g mysql /run/mysqld
(mariadbd --user=mysql >/var/log/ihc-mariadb.log 2>&1 &)
