{
    'name': 'mail',
    'version': '1.0',
    'depends': ['base', 'web', 'bus'],
    'installable': True,
}
