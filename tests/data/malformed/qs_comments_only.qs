# nothing but comments
# Vars Non-zeros
