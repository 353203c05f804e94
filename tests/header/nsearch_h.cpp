#include "nsearch.h"
