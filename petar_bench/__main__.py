"""`python -m petar_bench ...` (and `accelerate launch -m petar_bench run ...`)."""

from petar_bench.cli import main

if __name__ == "__main__":
    main()
