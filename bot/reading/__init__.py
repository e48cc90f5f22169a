"""Reading what people write: the quoted history left out, commands, form lines and answers in words."""
