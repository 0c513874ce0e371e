"""Pure parsers of the files and command outputs the MLPS level 3 host baseline rests on.

Every value they return carries the file and line it was read from, so a finding can name them;
every file they could not make sense of (an unknown directive, an include loop, binary bytes) is a
`Problem` naming that file, which makes the items resting on it `error` or `inconclusive`, never pass.
"""
