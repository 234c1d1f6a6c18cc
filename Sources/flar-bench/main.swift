print("flar-bench")
