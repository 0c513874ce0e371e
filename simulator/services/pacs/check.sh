echoscu -aet READY -aec PACS 127.0.0.1 104 && echoscu -aet READY -aec PATHOLOGY 127.0.0.1 11112
