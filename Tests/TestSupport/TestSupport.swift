import FlarLinAlg
