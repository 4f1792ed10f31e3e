{
    'name': 'base',
    'version': '1.0',
    'depends': [],
    'installable': True,
}
