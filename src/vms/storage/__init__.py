"""Storage room: path layout, segment index, pools, evidence locks, retention and repair."""
