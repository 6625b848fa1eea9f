"""Supply service: resources, capacity, workforce, bill of resources, inventory policies,
rough-cut capacity planning and operations' supply plans."""
