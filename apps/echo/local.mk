# echo: TCP and UDP echo over any stack.
