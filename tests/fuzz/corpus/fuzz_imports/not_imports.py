raise E from err
yield from g
important = __import__('x')
