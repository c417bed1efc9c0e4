# Energy: 3
1
2
0
