piivault_fuzzer(gif piivault_image)
