local a = require "cyc_a"
return { name = "b", saw_a = a.name }
