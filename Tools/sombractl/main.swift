// sombractl: a tiny main; the commands live in SombraCtlKit.
import SombraCtlKit

SombraCtl.main()
