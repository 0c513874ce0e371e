"""Pure parsers of command output: text in, typed values out; no host access, tested on recorded output."""
