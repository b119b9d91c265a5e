piivault_fuzzer(png piivault_image)
