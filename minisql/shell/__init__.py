"""The minisql shell, modelled on the sqlite3 command-line shell.

    app       the program: options, startup, batch and interactive runs
    core      Shell: connection, settings, the input loop, running SQL
    dot       the dot-commands
    modes     output modes, byte for byte as sqlite3 writes them
    sqltext   statement boundaries, keywords, quoting
    dump      .schema and .dump
    importer  .import
    inspect   .dbinfo, .page, .btree, .wal (reading the file's structure)
    terminal  readline, history, completion
"""
