// SwiftPM builds a C target only when it has a source file; the declarations the Swift
// module calls are in include/KontextMgmtFFI.h (uniffi-bindgen's header, staged at build
// time) and their definitions in the native library linked by the KontextMgmt target.
#include "KontextMgmtFFI.h"
