## fuzz area: sources, unit tests, data
