# The xenstore configuration source (libxenstore), part of libdevmgr.
