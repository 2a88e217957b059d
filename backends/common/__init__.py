"""Code shared by the backends: finding and running vendor tools."""
