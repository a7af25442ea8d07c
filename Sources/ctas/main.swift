print("ctas")
