piivault_fuzzer(heif piivault_image)
