# The forwarding DLL's entry point (see bcryptprimitives.def): DllMain
# returning TRUE, and nothing else.
	.text
	.globl DllMain
DllMain:
	movl $1, %eax
	ret
