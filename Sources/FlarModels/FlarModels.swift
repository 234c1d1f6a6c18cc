import FlarCore
