print("sombra-bench")
