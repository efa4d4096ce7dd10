## config area
