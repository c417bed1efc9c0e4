# ObjectiveOffset abc
2 1
1 1 1
