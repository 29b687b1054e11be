print("sombractl")
