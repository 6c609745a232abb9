-- Returns nothing: require stores true.
mod_nothing_ran = (mod_nothing_ran or 0) + 1
