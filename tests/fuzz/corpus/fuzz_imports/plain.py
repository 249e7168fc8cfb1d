import os, sys as s
from collections import Counter
