piivault_fuzzer(jpeg piivault_image)
