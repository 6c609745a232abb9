-- Returns false: stored as false (not true), so a later require loads it again.
mod_false_runs = (mod_false_runs or 0) + 1
return false
