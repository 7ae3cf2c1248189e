print("brictl")
