print("brid")
