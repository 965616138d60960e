"""A cheaper Argon2id for the test suite only.

Production keeps Django's Argon2 cost (about 100 MB and a tenth of a second
per hash); the suite hashes hundreds of passwords, so it uses the same
algorithm and format at a fraction of the cost.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
