piivault_fuzzer(webp piivault_image)
