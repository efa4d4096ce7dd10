## spf area: sources, unit tests, data
