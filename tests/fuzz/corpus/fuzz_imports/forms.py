x = 1; import a.b.c
if x: from . import y
from ..z import (q,
  r)
import \
  m
from	k import w
