import FlarCore
print("flar \(flarVersion)")
