"""Reading real images: preprocessing to MNIST's form."""
