# Objective value = 3
1
2
