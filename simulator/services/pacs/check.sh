echoscu +tla -ic -aet READY -aec PACS 127.0.0.1 104 && echoscu +tla -ic -aet READY -aec PATHOLOGY 127.0.0.1 11112
