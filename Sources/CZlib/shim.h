// zlib, the one system library the engine links (CRC-32 and deflate).
#include <zlib.h>
