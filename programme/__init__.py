"""The programme's rules: who may do what, validation, life cycles and what people see."""
