"""Plugins ihcheck hands to Ansible: copied next to each playbook it writes (`action_plugins/`), never imported by
ihcheck itself."""
