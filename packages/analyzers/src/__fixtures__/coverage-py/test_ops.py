from calc.ops import add, safe_div

assert add(2, 3) == 5
assert safe_div(6, 3) == 2
print("ok")
