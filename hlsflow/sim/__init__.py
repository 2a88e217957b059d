"""C-simulation: build generated projects with g++ and run them on whole batches."""
