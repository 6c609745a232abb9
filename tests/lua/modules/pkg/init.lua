return { name = ..., file = select(2, ...), kind = "init" }
