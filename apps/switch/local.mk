# switch: an L2 learning switch over many net ports.
